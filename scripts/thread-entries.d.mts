/** Build entry name → its source file, relative to the repository (thread-entries.mjs). */
export declare const THREAD_ENTRIES: Record<string, string>
