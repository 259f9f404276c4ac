import fs from 'node:fs'

/**
 * Resident memory of this process and every process below it (child processes and theirs: the
 * CLI commands a bench runs, the trainer, its worker threads are inside their process), sampled
 * from /proc on Linux. `exclude` leaves out whole subtrees by command name (e.g. Chromium, whose
 * processes share most of their pages, so a sum over them means little).
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null
  /** Peak of the summed RSS of the tree since the last `mark()`, bytes. */
  private stepPeak = 0
  /** Peak since the sampler started, bytes. */
  private allPeak = 0
  /** Highest VmHWM (kernel high-water mark) of any single process seen since the last mark, bytes. */
  private stepHwm = 0

  constructor(
    private readonly exclude: (comm: string) => boolean = () => false,
    private readonly everyMs = 200,
  ) {}

  start(): this {
    if (!fs.existsSync('/proc/self/stat')) return this
    this.sample()
    this.timer = setInterval(() => this.sample(), this.everyMs)
    this.timer.unref()
    return this
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Starts a new step: its peaks start from the current sample. */
  mark(): void {
    this.stepPeak = 0
    this.stepHwm = 0
    this.sample()
  }

  /** The step's peaks so far (a fresh sample first), MB. */
  step(): { treeMb: number; processMb: number } {
    this.sample()
    return { treeMb: this.stepPeak / 2 ** 20, processMb: this.stepHwm / 2 ** 20 }
  }

  get peakMb(): number {
    this.sample()
    return this.allPeak / 2 ** 20
  }

  /** Sums RSS over the tree rooted at this process (read it again while a child runs). */
  sample(): number {
    let sum = 0
    for (const pid of descendants(process.pid, this.exclude)) {
      const status = read(`/proc/${pid}/status`)
      if (!status) continue
      const rss = kb(status, 'VmRSS')
      sum += rss
      // A child's own high-water mark catches a peak between two samples.
      if (pid !== process.pid) this.stepHwm = Math.max(this.stepHwm, kb(status, 'VmHWM'))
      else this.stepHwm = Math.max(this.stepHwm, rss)
    }
    this.stepPeak = Math.max(this.stepPeak, sum)
    this.allPeak = Math.max(this.allPeak, sum)
    return sum
  }
}

/** RSS summed over the processes under `root` whose command matches `only` (e.g. Chromium's), MB. */
export function subtreeRssMb(root: number, only: (comm: string) => boolean): number {
  let sum = 0
  for (const pid of descendants(root, () => false)) {
    const comm = read(`/proc/${pid}/comm`)?.trim() ?? ''
    if (only(comm)) sum += kb(read(`/proc/${pid}/status`) ?? '', 'VmRSS')
  }
  return sum / 2 ** 20
}

function descendants(root: number, exclude: (comm: string) => boolean): number[] {
  const children = new Map<number, number[]>()
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = read(`/proc/${name}/stat`)
    if (!stat) continue
    // Field 4 (ppid) follows the command in parentheses, which may itself contain spaces or ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    const list = children.get(ppid) ?? []
    list.push(Number(name))
    children.set(ppid, list)
  }
  const out: number[] = []
  const stack = [root]
  while (stack.length) {
    const pid = stack.pop()!
    if (pid !== root && exclude(read(`/proc/${pid}/comm`)?.trim() ?? '')) continue
    out.push(pid)
    stack.push(...(children.get(pid) ?? []))
  }
  return out
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null // the process ended between listing and reading
  }
}

function kb(status: string, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)
  return m ? Number(m[1]) * 1024 : 0
}
