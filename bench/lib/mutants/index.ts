import { DATASETS_MUTANTS } from './datasets'
import { EVALUATION_MUTANTS } from './evaluation'
import type { Mutant } from './mutant'
import { SERVER_MUTANTS } from './server'
import { STORE_MUTANTS } from './store'

export type { Area, Mutant } from './mutant'

export const MUTANTS: Mutant[] = [...STORE_MUTANTS, ...DATASETS_MUTANTS, ...EVALUATION_MUTANTS, ...SERVER_MUTANTS]
