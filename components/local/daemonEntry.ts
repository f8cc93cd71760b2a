/** The daemons' bundle entry (daemonBundle.ts): runs the daemon its arguments name. */
import { main } from "./daemonMain";

void main(process.argv.slice(2));
