/** The demo's generated images moved to the engine (Projects' "Try with sample data" makes them too). */
export { SHAPES, writeShapes } from '../engine/sample/shapes'
