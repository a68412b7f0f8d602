/**
 * Importing this module registers every built-in fault kind (a side effect kept in one place, so
 * the plan validator and the JSON Schema always know the same kinds).
 */
import './kinds.ts';
