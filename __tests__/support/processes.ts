/**
 * The time a test that starts processes (the app command, actionlint, ESLint, Terraform) may take: sized for a
 * loaded 2-core machine running another full `npm test` beside this one, where a process that takes 1 s when idle
 * can take 20. A test file that starts processes calls `jest.setTimeout(PROCESS_TIMEOUT_MS)` first.
 */
export const PROCESS_TIMEOUT_MS = 180_000;
