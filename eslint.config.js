import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

// Electron's binary is downloaded on first require: only the Electron-only files may import it.
const electronOnly = { name: 'electron', message: 'Only main/electron and preload may import electron.' };

/** An import pattern refusing the given top-level folders from inside `from`. */
function outside(from, folders) {
  return {
    group: folders.flatMap((f) => [`**/${f}/**`, `../${f}/**`]),
    message: `${from}/ may import only contract/ (and its own files and packages).`,
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'release/', 'test-output/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['main/**/*.ts', 'db/**/*.ts', 'test/**/*.ts', 'preload/**/*.cts', 'scripts/**/*.mjs', '*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    languageOptions: { globals: globals.browser, parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [electronOnly] }],
    },
  },
  {
    files: ['main/electron/**/*.ts', 'preload/**/*.cts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // Process boundaries: the contract is the one thing every process shares, so
  // it imports nothing of theirs, and the renderer and db/ reach only it.
  {
    files: ['contract/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnly], patterns: [outside('contract', ['main', 'db', 'renderer', 'preload'])] }] },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnly], patterns: [outside('renderer', ['main', 'db', 'preload'])] }] },
  },
  {
    files: ['db/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnly], patterns: [outside('db', ['main', 'renderer', 'preload'])] }] },
  },
);
