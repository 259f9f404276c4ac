/** How numbers read in the UI: one definition each, shared by every view. */

/** A fraction as a percentage with one decimal ("87.5 %"); '—' when there is none. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(1)} %`
}

/** A fraction as a whole percentage ("88 %"), for confidences next to images. */
export function pct0(x: number): string {
  return `${(x * 100).toFixed(0)} %`
}

/** A metric such as F1 with three decimals; '—' when there is none. */
export function fixed3(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : x.toFixed(3)
}

/** Seconds as a person reads a duration: "42 s", "3 min 5 s", "2 h 10 min". */
export function duration(s: number): string {
  // Rounded once, up front, so 119.6 s reads "2 min 0 s" and never "1 min 60 s".
  const t = Math.round(s)
  if (t < 60) return `${t} s`
  if (t < 3600) return `${Math.floor(t / 60)} min ${t % 60} s`
  const minutes = Math.round(t / 60)
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}
