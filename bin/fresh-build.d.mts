/** What scripts/build-cli.mjs records beside the build (fresh-build.mjs). */
export declare const INPUTS_FILE: string
/** The build's entry for the command if it matches the sources; null otherwise (fresh-build.mjs). */
export declare function freshBuild(root: string, dir?: string): string | null
/** freshBuild's entry, unless STUDIO_CLI=source (fresh-build.mjs). */
export declare function runnableBuild(root: string): string | null
