// The contract's validators (contract/validate.ts) at their edges: each
// refusal is one sentence naming the field, and no inherited name passes
// for a field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { v, ValidationError } from '../../../contract/validate.js';

const refuses = (fn: () => unknown, message: string) => assert.throws(fn, (err: unknown) => err instanceof ValidationError && err.message === message);

const params = v.object({
  path: v.string({ min: 1, max: 5 }),
  count: v.optional(v.int({ min: 0, max: 3 })),
  split: v.optional(v.literal('train', 'none')),
  classId: v.nullable(v.int()),
});

test('names that every object inherits are not fields', () => {
  for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    refuses(() => params.parse({ path: 'a', classId: null, [key]: 1 }, 'params'), `params.${key} is not a known field`);
  }
  // JSON.parse makes __proto__ an own key, as a request body would.
  refuses(() => params.parse(JSON.parse('{"path":"a","classId":null,"__proto__":{"x":1}}'), 'params'), 'params.__proto__ is not a known field');
});

test('an inherited name is never read as a missing field given', () => {
  const shaped = v.object({ toString: v.optional(v.string()) });
  assert.deepEqual(shaped.parse({}), {});
  assert.deepEqual(shaped.parse({ toString: 'x' }), { toString: 'x' });
});

test('optional fields left out, or null, stay out of the result; nullable ones keep null', () => {
  const out = params.parse({ path: 'a', classId: null, count: null });
  assert.deepEqual(out, { path: 'a', classId: null });
  assert.ok(!Object.hasOwn(out, 'count'));
  refuses(() => params.parse({ path: 'a' }, 'params'), 'params.classId must be a finite number (got undefined)');
});

test('each refusal names the field and what it got', () => {
  refuses(() => params.parse(null, 'params'), 'params must be an object (got null)');
  refuses(() => params.parse([], 'params'), 'params must be an object (got array)');
  refuses(() => params.parse({ path: '', classId: 1 }, 'params'), 'params.path is shorter than 1 characters');
  refuses(() => params.parse({ path: 'abcdef', classId: 1 }, 'params'), 'params.path is longer than 5 characters');
  refuses(() => params.parse({ path: 'a', classId: 1, count: 4 }, 'params'), 'params.count must be at most 3');
  refuses(() => params.parse({ path: 'a', classId: 1, count: -1 }, 'params'), 'params.count must be at least 0');
  refuses(() => params.parse({ path: 'a', classId: 1.5 }, 'params'), 'params.classId must be an integer (got number)');
  refuses(() => params.parse({ path: 'a', classId: 1, split: 'val' }, 'params'), 'params.split must be one of "train", "none" (got string)');
  for (const bad of [Number.NaN, Infinity, '1']) {
    refuses(() => params.parse({ path: 'a', classId: bad }, 'params'), `params.classId must be a finite number (got ${typeof bad})`);
  }
});

test('lists and binary data: items are named by index, limits hold', () => {
  const list = v.array(v.bytes({ max: 2 }), { max: 2 });
  assert.deepEqual(list.parse([Uint8Array.from([1]), Buffer.from([2, 3])]).map((b) => [...b]), [[1], [2, 3]]);
  refuses(() => list.parse([Uint8Array.from([1]), [1, 2]], 'files'), 'files[1] must be binary data (got array)');
  refuses(() => list.parse([Uint8Array.from([1, 2, 3])], 'files'), 'files[0] is larger than 2 bytes');
  refuses(() => list.parse([new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)], 'files'), 'files has more than 2 items');
  refuses(() => list.parse({ length: 1 }, 'files'), 'files must be a list (got object)');
});
