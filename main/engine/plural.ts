/**
 * A count with its noun in the right number: `plural(1, 'image')` is "1 image", `plural(3, 'image')`
 * "3 images". Every message that counts something says it this way, never "image(s)".
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
