// ESLint keeps the layers honest (see ARCHITECTURE.md, "Which imports are allowed"): no unused
// code, no import cycles, and folder boundaries. Not type-aware on purpose: the whole lint stays a
// few seconds on two cores, and `tsc` (npm run typecheck) already does the type checking.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';

/** Code that ships: nothing in it may reach the test kit, benchmarks, scripts or examples. */
const SHIPPED = ['./src', './tools', './resources', './prompts'];
const NOT_SHIPPED = ['./bench', './test', './testkit', './scripts', './examples'];

export default tseslint.config(
  {
    ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.scratch/**', '.ci/work/**', 'test-artifacts/**', 'test/fixtures/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    plugins: { 'import-x': importX },
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    settings: {
      // Parse imported .ts files too (no-cycle follows the graph through them).
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: ['tsconfig.check.json', 'web/tsconfig.json'], noWarnOnMultipleProjects: true }),
      ],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // tsc's strict mode already refuses implicit any; an explicit one is a choice made in review.
      '@typescript-eslint/no-explicit-any': 'off',
      // Style rules of the recommended sets that would only churn working code: the code uses
      // `if (x) (a.push(1), b.push(2));` on purpose, and initialised `let`s before a try.
      '@typescript-eslint/no-unused-expressions': 'off',
      'no-useless-assignment': 'off',
      'preserve-caught-error': 'off',
      // A `let` read by a closure before its one assignment stays a `let` (const would be in its TDZ).
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/patterns',
              from: ['./tools', './resources', './prompts'],
              message: 'patterns are pure: tools/, resources/ and prompts/ call them, never the reverse',
            },
            {
              target: './src/memory',
              from: './src/patterns',
              message: "memory/ is the storage layer: a pattern's own store lives in its pattern folder",
            },
            {
              target: SHIPPED,
              from: NOT_SHIPPED,
              message: 'shipped code must not import the test kit, benchmarks, scripts or examples',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/patterns/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@modelcontextprotocol/*'],
              message: 'patterns are pure: the MCP SDK belongs to tools/, resources/, prompts/ and src/mcp/',
            },
          ],
        },
      ],
    },
  },
);
