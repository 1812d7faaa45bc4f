// ESLint flat config: typescript-eslint's recommended rules over the sources, tests and benchmarks, plus the
// project's own: imports point downward, no `any`, strict equality, promises awaited, disable comments that mean
// something.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** What each layer of src/ must not import: imports point downward (cli → vmm → sched/vcpu/aspace/devices → dts). */
const LAYERS = {
  'src/state/**': ['api', 'cli', 'web', 'vmm', 'sched', 'vcpu', 'aspace', 'devices', 'dts', 'fuzz'],
  'src/dts/**': ['api', 'cli', 'web', 'vmm', 'sched', 'vcpu', 'aspace', 'devices', 'fuzz'],
  'src/{sched,vcpu,aspace,devices}/**': ['api', 'cli', 'web', 'vmm', 'fuzz'],
  'src/vmm/**': ['api', 'cli', 'web', 'fuzz'],
  'src/api/**': ['cli', 'web', 'fuzz'],
  'src/web/**': ['cli', 'fuzz'],
};

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'guests/', 'fuzz-failures/', 'tsvisor-test-logs/', 'scratch/', '.scratch/', 'tmp/',
    'test/dts/fixtures/', 'test/dts/golden/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      eqeqeq: ['error', 'smart'],
      // A variable a closure reads before its one assignment (a callback wired up before its target exists) stays let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  // Configuration files outside the TypeScript project: no type information.
  { files: ['*.js', 'scripts/*.mjs', 'vitest.config.ts'], extends: [tseslint.configs.disableTypeChecked] },
  ...Object.entries(LAYERS).map(([files, above]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: above.map((layer) => ({ group: [`**/${layer}/*`, `../${layer}`], message: `imports point downward: not ${layer}/ from here` })),
      }],
    },
  })),
);
