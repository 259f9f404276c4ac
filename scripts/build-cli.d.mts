/** Builds the `studio` command into out/cli (build-cli.mjs). */
export declare function buildCli(): Promise<{ dir: string; files: number }>
