// Lint: what review misses. Type-aware rules for promises that can reject unobserved and switches that miss a case.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'packages/*/dist/**',
      'node_modules/**',
      '.tap/**',
      'src/client/generated.ts',
      'test/fixtures/lint/**',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `void promise` does not observe a rejection: deliberate background work goes through background().
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          ignoreVoid: false,
          // tap's t.test() returns a promise that tap itself waits for.
          allowForKnownSafePromises: [
            { from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='@sinclair/typebox'] > ImportSpecifier[imported.name='Type']",
          message:
            "use `import * as Type from '@sinclair/typebox'`: the Type object holds every TypeBox builder, so the bin bundles all of them (126 kB of code an idle daemon keeps, 0.6 MB of its memory), and the namespace lets it keep only those used",
        },
      ],
    },
  },
);
