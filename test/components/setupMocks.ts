import { installMocks } from "./harness";

installMocks();
