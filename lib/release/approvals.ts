/**
 * Approvals a release order needs in one environment: the environment's
 * `approvals.required` for a low-risk change, one more per risk level above
 * low, from the teams the environment names.
 */
import { RISKS, type EnvironmentSpec, type Risk } from '../spec/environment.ts';

/** Who must approve, and how many of them. */
export interface ApprovalRequirement {
  /** Number of approvals needed. */
  readonly approvalsRequired: number;
  /** Teams whose members may approve (GitHub team handles). */
  readonly approvers: readonly string[];
}

/** The approvals a change of `risk` needs in `env`. */
export function approvalsFor(env: EnvironmentSpec, risk: Risk): ApprovalRequirement {
  return { approvalsRequired: env.approvals.required + RISKS.indexOf(risk), approvers: [...env.approvals.approvers] };
}
