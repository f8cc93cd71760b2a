/**
 * A preview template (stacks/Pulumi.pr.yaml) made into one change's stack: the template's
 * config plus `changeId` (its own namespace, the change label on everything) and the expiry
 * label. Kept in memory: the local cycle builds its topology from it, the --cloud cycle hands
 * it to Pulumi (which writes Pulumi.<stack>.yaml itself), so the checkout gains no file.
 */
import { CHANGE_ID_RULE, EXPIRES_LABEL, changeIdProblem, expiryLabelValue } from "../config/labels";
import { CONFIG_NAMESPACE } from "../config/errors";
import { UserError } from "../ground/errors";

export class PreviewError extends UserError {
  override name = "PreviewError";
}

/** The per-change stack's name: the template's, then the id (pr → pr-42). */
export function previewStackName(template: string, id: string): string {
  return `${template}-${id}`;
}

/** Refuses an id that could not end a namespace name or be a label value. */
export function checkChangeId(id: string): string {
  const problem = changeIdProblem(id);
  if (problem) throw new PreviewError(`--id ${JSON.stringify(id)} ${problem}: use ${CHANGE_ID_RULE}.`);
  return id;
}

const key = (name: string) => `${CONFIG_NAMESPACE}:${name}`;

function templateLabels(config: Readonly<Record<string, string>>, template: string): Record<string, unknown> {
  const text = config[key("labels")];
  if (text === undefined) return {};
  try {
    const labels: unknown = JSON.parse(text);
    if (labels && typeof labels === "object" && !Array.isArray(labels)) return labels as Record<string, unknown>;
  } catch {
    // not JSON: reported below
  }
  throw new PreviewError(`template ${template}: ${key("labels")} must be a map of labels, not ${text}.`);
}

export interface Instantiated {
  /** "namespace:key" → string, as `pulumi up` hands config to the program. */
  config: Record<string, string>;
  /** The labels every object of this change gets besides the template's. */
  labels: Record<string, string>;
}

/** The template's config for change `id`, expiring at `expires`. */
export function instantiateTemplate(
  templateConfig: Readonly<Record<string, string>>,
  options: { id: string; expires: Date; template?: string },
): Instantiated {
  const template = options.template ?? "pr";
  const id = checkChangeId(options.id);
  if (templateConfig[key("changeId")] !== undefined) {
    throw new PreviewError(
      `template ${template} sets ${key("changeId")}; a template leaves it unset, and preview run sets it to each change's id.`,
    );
  }
  const labels = { [EXPIRES_LABEL]: expiryLabelValue(options.expires) };
  return {
    config: {
      ...templateConfig,
      [key("changeId")]: id,
      [key("labels")]: JSON.stringify({ ...templateLabels(templateConfig, template), ...labels }),
    },
    labels,
  };
}
