import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'coverage/', 'jest.config.js', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // Type-only imports must say so, but not for classes Nest injects: their runtime value carries the
      // constructor metadata that dependency injection reads.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The dashboard's browser modules: plain JavaScript served as it is, typed with JSDoc and checked by
    // tsconfig.dashboard.json, which gives the type-aware rules above their types. Browser globals only.
    files: ['src/dashboard/public/**/*.js'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: false, project: './tsconfig.dashboard.json' },
    },
  },
  {
    // tasksystem/client runs in other services and plain Node scripts: it may import its own folder and
    // openapi-fetch, nothing of the server (Nest, TypeORM, pg, the rest of src/).
    files: ['src/client/**/*.ts'],
    ignores: ['src/client/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./[^/]+$|openapi-fetch$)',
              message: 'src/client is published on its own: import only from src/client and openapi-fetch',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'test/**/*.mjs'],
    rules: {
      // Test assertions read loosely typed JSON response bodies.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
