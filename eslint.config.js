// One ESLint flat config for the Node packages (web, shared); the agent uses `deno lint`.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

export default ts.config(
	{
		ignores: [
			'**/node_modules/',
			'**/.svelte-kit/',
			'**/build/',
			'**/dist/',
			'agent/',
			'test-results/',
			'playwright-report/',
			'.data/'
		]
	},
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs['flat/recommended'],
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }
			],
			'no-undef': 'off',
			// A closure may read a variable that is assigned once, later (e.g. a timer it clears).
			'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
			// The app is served at the root (no `paths.base`), so plain hrefs are correct.
			'svelte/no-navigation-without-resolve': 'off'
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts'],
		languageOptions: { parserOptions: { parser: ts.parser } },
		// `let { … } = $props()` is the Svelte 5 idiom; the Svelte-aware rule knows runes.
		rules: { 'prefer-const': 'off', 'svelte/prefer-const': 'error' }
	}
);
