// `node --import ./trace-loads.mjs …` appends the URL of every module the process loads through the
// ES module loader (the CLI's TypeScript through tsx, and the packages it imports) to the file
// named by STUDIO_TRACE_LOADS, one a line. tests/cli/lazy-load.test.ts reads it.
import { register } from 'node:module'

const hooks = `import fs from 'node:fs'
export async function load(url, context, next) {
  fs.appendFileSync(process.env.STUDIO_TRACE_LOADS, url + '\\n')
  return next(url, context)
}`
register('data:text/javascript,' + encodeURIComponent(hooks))
