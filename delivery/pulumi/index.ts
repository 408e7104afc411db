/**
 * Entry point of the `platform-bootstrap` Pulumi project: the stack's outputs
 * are the environment, its cluster, the team namespaces and the chart versions.
 */
import { runStack } from '../../lib/bootstrap/program.ts';

export default runStack;
