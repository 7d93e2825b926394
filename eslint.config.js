import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

// Electron's binary is downloaded on first require: only the Electron-only files may import it.
const ELECTRON = { name: 'electron', message: 'Only main/electron and preload may import electron.' };
// Every statement Pancake runs lives under db/, next to the schema it depends on.
const SQLITE = { name: 'better-sqlite3', message: 'SQL lives in db/: add a typed query there.' };
const CONNECTION = {
  group: ['**/db/connection.js'],
  message: "Only db/'s query modules and test/helpers reach a project's connection; use or add a typed query in db/.",
};
const restrictImports = (options) => ({ 'no-restricted-imports': ['error', options] });

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
      ...restrictImports({ paths: [ELECTRON, SQLITE], patterns: [CONNECTION] }),
    },
  },
  { files: ['main/electron/**/*.ts', 'preload/**/*.cts'], rules: restrictImports({ paths: [SQLITE], patterns: [CONNECTION] }) },
  { files: ['db/**/*.ts'], rules: restrictImports({ paths: [ELECTRON] }) },
  // Tests may open a project file with better-sqlite3 themselves (to build an old schema, or damage one).
  { files: ['test/**/*.ts'], rules: restrictImports({ paths: [ELECTRON], patterns: [CONNECTION] }) },
  { files: ['test/helpers/**/*.ts'], rules: restrictImports({ paths: [ELECTRON] }) },
);
