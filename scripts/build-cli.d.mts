/** Builds the `studio` command into out/cli unless it is up to date (build-cli.mjs). */
export declare function buildCli(opts?: {
  force?: boolean
}): Promise<{ dir: string; files: number | null; built: boolean }>
