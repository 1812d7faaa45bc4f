/**
 * The environment of the commands the benchmarks time: this one's without NODE_OPTIONS, which tsx (running the
 * benchmarks) sets to load its TypeScript loader into every Node process, the `tsvisor` commands too: ~0.1-0.3 s
 * that a user's command never pays.
 */
export const CHILD_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS'));
