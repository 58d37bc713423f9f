/**
 * CRUSH: the map codec, the mapper and CrushWrapper-style queries, plus the
 * text compiler/decompiler and the tester behind `tsceph crushtool`.
 */
import { crushDoRuleRaw } from './mapper.js';
import { DEFAULT_CHOOSE_ARGS, type CrushMap } from './types.js';
import { crushChooseArgsWithFallback } from './wrapper.js';

export * from './types.js';
export { decodeCrushMap, decodeCrushMapFrom, encodeCrushMap, encodeCrushMapTo } from './codec.js';
export { crushHash32, crushHash32_2, crushHash32_3, crushHash32_4, crushHash32_5 } from './hash.js';
export { crushLn } from './ln.js';
export { crushDoRuleRaw, type CrushDoRuleOptions } from './mapper.js';
export {
  crushAdjustItemWeight,
  crushAdjustItemWeightf,
  crushBucketAdjustItemWeight,
  crushChooseArgsAdjustItemWeight,
  floatWeightToFixed,
} from './adjust-weight.js';
export {
  crushBucket,
  crushChooseArgsWithFallback,
  crushClassName,
  crushFindRoots,
  crushFindRule,
  crushHasLegacyRuleIds,
  crushItemClass,
  crushItemId,
  crushItemName,
  crushItemPresent,
  crushItemWeight,
  crushItemWeightRaw,
  crushMaxDevices,
  crushRuleExists,
  crushRuleId,
  crushRuleName,
  crushTypeId,
  crushTypeName,
  finalizeCrushMap,
} from './wrapper.js';
export { decompileCrushMap, isValidCrushName, splitIdClass } from './decompiler.js';
export { compileCrushMap } from './compiler.js';
export { crushTreeItems, crushTreeText } from './tree.js';
export { crushTunableProfile, dumpCrushMap, dumpCrushRule, dumpCrushTunables } from './dump.js';
export { crushCheckNameMaps, crushCheckOverlappedRules, crushFullLocation } from './check.js';
export {
  addBucket,
  addRule,
  addSimpleRuleAt,
  buildCrushMap,
  calcStraws,
  defaultBucketAlg,
  makeBucket,
  nextBucketId,
  type CrushBuildLayer,
} from './builder.js';
export { formatFixed, formatGeneral, formatWeight3 } from './format.js';
export {
  defaultTesterOptions,
  runCrushTester,
  testerDeviceWeight,
  type CrushTesterOptions,
  type TesterStream,
} from './tester.js';

/**
 * Map input x through a rule, as OSDMap does: `weights` is the per-device
 * 16.16 vector (index = osd id, e.g. osd_weight); `chooseArgsId` picks the
 * choose_args set (a pool id), falling back to DEFAULT_CHOOSE_ARGS (-1) and
 * then to the buckets' own weights. Without it, only the default set is used.
 * Indep rules leave CRUSH_ITEM_NONE where no device could be placed.
 */
export function crushDoRule(
  map: CrushMap,
  ruleId: number,
  x: number,
  resultMax: number,
  weights: readonly number[],
  chooseArgsId?: number,
): number[] {
  const chooseArgs = crushChooseArgsWithFallback(map, chooseArgsId ?? DEFAULT_CHOOSE_ARGS);
  return crushDoRuleRaw(map, ruleId, x, resultMax, weights, { chooseArgs });
}
