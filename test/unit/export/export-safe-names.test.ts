import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MAX_NAME_BYTES, safeFileName, safeFileNames } from '../../../main/export/safe-names.js';
import { tempDir } from '../../helpers/temp.js';

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

function assertSafe(name: string): void {
  assert.ok(name.length > 0, 'empty name');
  assert.doesNotMatch(name, /[/\\<>:"|?*\p{Cc}]/u, `forbidden character in ${JSON.stringify(name)}`);
  assert.ok(!name.includes('..'), `".." in ${JSON.stringify(name)}`);
  assert.doesNotMatch(name, /^[\s.]|[\s.]$/u, `leading or trailing dot/space in ${JSON.stringify(name)}`);
  assert.doesNotMatch(name, /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i, `reserved name ${JSON.stringify(name)}`);
  assert.ok(utf8Bytes(name) <= MAX_NAME_BYTES, `too long: ${name}`);
}

test('path traversal and separators cannot escape the export folder', () => {
  const dir = tempDir('pancake-safe-names-');
  for (const evil of ['../../etc/passwd', '..\\..\\Windows\\win.ini', '/abs/path', 'C:\\x', '..', '.', '...', 'a/../b', '~/.ssh']) {
    const name = safeFileName(evil);
    assertSafe(name);
    const target = path.resolve(dir, name);
    assert.equal(path.dirname(target), dir, `${evil} -> ${name} leaves the folder`);
    fs.writeFileSync(target, 'x');
  }
  assert.equal(safeFileName('../../etc/passwd'), '_._etc_passwd');
});

test('Windows reserved device names, with or without an extension, get a prefix', () => {
  for (const reserved of ['CON', 'prn', 'Aux', 'nul', 'COM1', 'com9', 'LPT1', 'lpt9', 'con.txt', 'NUL .tar.gz', 'CONIN$', 'com¹']) {
    const name = safeFileName(reserved);
    assertSafe(name);
    assert.equal(name, `_${reserved}`);
  }
  for (const fine of ['COM10', 'console', 'nullable', 'auxiliary', 'LPT']) assert.equal(safeFileName(fine), fine);
  // Truncation that leaves only a device name followed by spaces is caught too.
  assert.equal(safeFileName(`con${' '.repeat(MAX_NAME_BYTES)}x`), '_con');
});

test('control characters, bidi overrides and trailing dots or spaces are removed', () => {
  assert.equal(safeFileName('a\u0000b\nc\td'), 'a_b_c_d');
  assert.equal(safeFileName('photo\u202egpj.exe'), 'photo_gpj.exe');
  assert.equal(safeFileName('  name. . .  '), 'name');
  assert.equal(safeFileName('.hidden'), 'hidden');
  assert.equal(safeFileName(''), 'unnamed');
  assert.equal(safeFileName(' \u0001 '), '_');
  assert.equal(safeFileName('Fußball 🐝 café'), 'Fußball 🐝 café');
});

test('long names are capped in UTF-8 bytes without splitting a character', () => {
  const name = safeFileName('🐝'.repeat(200));
  assertSafe(name);
  assert.equal(name, '🐝'.repeat(MAX_NAME_BYTES / 4));
  assert.equal(utf8Bytes(safeFileName('é'.repeat(300))), MAX_NAME_BYTES);
  // Nor what a reader sees as one character: a family emoji (18 bytes) that would cross the cap is left out whole.
  const family = '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}';
  assert.equal(safeFileName(`${'x'.repeat(90)}${family}`), 'x'.repeat(90));
  // A letter with a decomposed accent that NFC cannot compose (q + acute) keeps its accent or goes with it.
  assert.equal(safeFileName(`${'x'.repeat(99)}q\u0301`), 'x'.repeat(99));
});

test('names that collide after cleaning or by case stay distinct, in input order', () => {
  const names = safeFileNames(['Cats', 'cats', 'a/b', 'a\\b', 'a:b', 'CATS', 'cats_2', 'CON', '_con']);
  assert.deepEqual(names, ['Cats', 'cats_3', 'a_b', 'a_b_2', 'a_b_3', 'CATS_4', 'cats_2', '_CON', '_con_2']);
  const lower = names.map((n) => n.toLowerCase());
  assert.equal(new Set(lower).size, names.length);
  names.forEach(assertSafe);
  // Written into one folder they are all separate files, even on a case-insensitive file system.
  const dir = tempDir('pancake-safe-names-');
  for (const n of names) fs.writeFileSync(path.join(dir, n), n);
  assert.equal(fs.readdirSync(dir).length, names.length);
});

test('a suffix on a name at the length cap still fits', () => {
  const long = 'x'.repeat(MAX_NAME_BYTES + 20);
  const [a, b] = safeFileNames([long, long.toUpperCase()]);
  assert.equal(a, 'x'.repeat(MAX_NAME_BYTES));
  assert.equal(b, `${'X'.repeat(MAX_NAME_BYTES - 2)}_2`);
});

test('Unicode that looks the same collides the same', () => {
  const [a, b] = safeFileNames(['café', 'cafe\u0301']);
  assert.equal(a, 'café');
  assert.equal(b, 'café_2');
});
