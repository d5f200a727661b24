import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { auditNote, evaluateContainment, takeHourlySlot, type AuditTarget } from './index.ts';
import type { JobContext } from '../jobs/context.ts';

/**
 * The containment gate every destructive handler passes before touching SEPM. It runs in the worker, so no
 * caller (dashboard, API, automation) can bypass it: automatic requests need the policy to enable the action,
 * a trusted sender verdict, an unprotected target and a free slot in the hourly cap; analyst requests are still
 * refused for protected targets. Refusals and dry runs leave a note on the incident (when there is one).
 */

export type { ContainmentAction, ContainmentTarget } from './index.ts';
import type { ContainmentAction, ContainmentTarget } from './index.ts';

export type GateOutcome = { run: true } | { run: false; dryRun: true; note: string };

/** "policy (automatic)" for automation, else who asked (analyst via dashboard, api). */
export function byLabel(ctx: JobContext): string {
  return ctx.meta.requestedBy === 'auto' ? 'policy (automatic)' : `${ctx.meta.requestedBy} (job ${ctx.meta.jobId})`;
}

export function targetLabel(t: ContainmentTarget): string {
  return [t.computer, t.ip, t.group].filter(Boolean).join(' / ') || '(no target)';
}

async function refuse(
  ctx: JobContext,
  incidentId: number | undefined,
  action: ContainmentAction,
  label: string,
  reasons: string[],
): Promise<never> {
  const why = reasons.join('; ');
  if (incidentId !== undefined) {
    await ctx.soar.addNote(
      incidentId,
      `Containment refused: ${action} of ${label} (${ctx.meta.requestedBy} request). ${why}`,
    );
  }
  ctx.logger.warn({ action, target: label, requestedBy: ctx.meta.requestedBy, reasons }, 'containment refused');
  throw new AppError(ErrorCodes.POLICY_DENIED, `${action} of ${label} refused: ${why}`, {
    details: { action, requestedBy: ctx.meta.requestedBy, reasons },
  });
}

/** Checks every target (all must pass), then the hourly cap for automatic requests, then dry run. */
export async function containmentGate(
  ctx: JobContext,
  incidentId: number | undefined,
  action: ContainmentAction,
  targets: ContainmentTarget | ContainmentTarget[],
): Promise<GateOutcome> {
  const list = Array.isArray(targets) ? targets : [targets];
  const label = list.map(targetLabel).join(', ');
  const automatic = ctx.meta.requestedBy === 'auto';
  const reasons: string[] = [];
  if (ctx.meta.unsealedClaim) {
    // Fail closed: whoever forged an automation claim in the job data does not get a destructive action from it.
    reasons.push("the job data claims requestedBy auto / senderVerdict trusted without the worker's seal");
  }
  let dryRun = ctx.config.policy.dryRun;
  for (const target of list.length ? list : [{}]) {
    const d = evaluateContainment(
      { action, automatic, senderVerdict: ctx.meta.senderVerdict, target },
      ctx.config.policy,
    );
    dryRun = d.dryRun;
    if (!d.allowed) reasons.push(...d.reasons);
  }
  if (reasons.length > 0) return refuse(ctx, incidentId, action, label, reasons);
  if (automatic) {
    const cap = ctx.config.policy.actions[action].hourlyCap;
    // Charged per job id: a retried attempt of this job does not take a second slot.
    if (!(await takeHourlySlot(ctx.redis, ctx.prefix, action, cap, ctx.now().getTime(), ctx.meta.jobId))) {
      return refuse(ctx, incidentId, action, label, [`hourly cap of ${cap} automatic ${action} actions reached`]);
    }
  }
  if (dryRun) {
    const note = auditNote({ action, target: list[0] ?? {}, dryRun: true, by: byLabel(ctx), at: ctx.now() });
    if (incidentId !== undefined) await ctx.soar.addNote(incidentId, note);
    return { run: false, dryRun: true, note };
  }
  return { run: true };
}

/** Audit note after an action was taken: what, to what, the command id and how to undo it. */
export async function auditAction(
  ctx: JobContext,
  incidentId: number | undefined,
  action: ContainmentAction,
  target: AuditTarget,
  extra: { commandId?: string; detail?: string } = {},
): Promise<void> {
  const base = auditNote({
    action,
    target,
    commandId: extra.commandId,
    dryRun: false,
    by: byLabel(ctx),
    at: ctx.now(),
  });
  const text = extra.detail ? `${base}\n${extra.detail}` : base;
  if (incidentId !== undefined) await ctx.soar.addNote(incidentId, text);
  ctx.logger.info({ action, target: targetLabel(target), commandId: extra.commandId }, 'containment action taken');
}
