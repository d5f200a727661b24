export {
  CONTAINMENT_ACTIONS,
  compileProtection,
  evaluateContainment,
  protectedRules,
  targetIps,
  type ContainmentAction,
  type ContainmentDecision,
  type ContainmentRequest,
  type ContainmentTarget,
} from './policy.ts';
export { hourlyCapKey, hourlySlotsUsed, takeHourlySlot } from './hourly-cap.ts';
export { auditNote, type AuditNoteInput, type AuditTarget } from './audit-note.ts';
