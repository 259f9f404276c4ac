/**
 * Typed errors of the engine. Each crosses process and IPC boundaries as `{name, message}`,
 * so the message must stand on its own: it names the file, field or thing that was wrong.
 */
export class StudioError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
  toJSON(): { name: string; message: string } {
    return { name: this.name, message: this.message }
  }
}

/** The folder given as a project is not a Studio project (no `studio.db`). */
export class NotAProjectError extends StudioError {}
/** The project was written by a newer Studio than this one. */
export class ProjectVersionError extends StudioError {}
/** Another process holds the project (or one of its operations) locked. */
export class ProjectLockedError extends StudioError {}
/** A request named something that does not exist (image, class, run, file). */
export class NotFoundError extends StudioError {}
/** A value given by the user is invalid; the message names the field. */
export class ValidationError extends StudioError {}
/** The request conflicts with what is stored (duplicate name, nothing to undo). */
export class ConflictError extends StudioError {}
/** A project request came while no project is open in this window. */
export class NoProjectError extends StudioError {}
/** An import source (folder or CSV) cannot be used at all. */
export class ImportSourceError extends StudioError {}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
