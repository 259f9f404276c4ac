import type { Command } from 'commander'

const completions = new WeakMap<Command, () => Promise<void>>()

/**
 * Registers how to finish `cmd` when it is used. For a command whose options can only be described
 * by loading heavy modules (train's defaults come from the presets, which load TF.js): its name and
 * description are set at once, for `studio --help`; `add` sets its options and action, for
 * `studio train …` and `studio train --help` alike (see `completeFor`).
 */
export function completeOnUse(cmd: Command, add: () => Promise<void>): void {
  completions.set(cmd, add)
}

/**
 * Finishes the commands `argv` runs or asks help for (`studio train …`, `studio help train`) before
 * commander parses it. A word that names no command ends the walk; a command without a registered
 * completion is already complete.
 */
export async function completeFor(program: Command, argv: string[]): Promise<void> {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'))
  let cmd = program
  for (let i = 0; i < words.length; i++) {
    // `help <command> [<subcommand>]`: commander prints the named command's help.
    if (words[i] === 'help' && !cmd.commands.some((c) => c.name() === 'help')) continue
    const next = cmd.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i]!))
    if (!next) return
    const add = completions.get(next)
    if (add) {
      completions.delete(next)
      await add()
    }
    cmd = next
  }
}
