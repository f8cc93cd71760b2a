/**
 * pg_settings.context of every setting the renderers write, for planning changes without a running server: the
 * facts' table (components/facts/postgres/settingContexts.ts), which a test checks against the installed server.
 */
import { SETTING_CONTEXTS } from "../../components/facts/postgres/settingContexts";

export const PG15_CONTEXTS = SETTING_CONTEXTS.value;
