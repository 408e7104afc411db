/**
 * Approvals a release order needs in one environment: the environment's
 * `approvals.required` for a low-risk change, one more per risk level above
 * low, from the teams the environment names.
 */
import type { EnvironmentSpec, RiskLevel } from '../spec/environment.ts';
import { RISK_LEVELS } from './risk.ts';

/** Who must approve, and how many of them. */
export interface ApprovalRequirement {
  /** Number of approvals needed. */
  readonly approvalsRequired: number;
  /** Teams whose members may approve (GitHub team handles). */
  readonly approvers: readonly string[];
}

/** The approvals a change of `risk` needs in `env`. */
export function approvalsFor(env: EnvironmentSpec, risk: RiskLevel): ApprovalRequirement {
  return { approvalsRequired: env.approvals.required + RISK_LEVELS.indexOf(risk), approvers: [...env.approvals.approvers] };
}
