import { installMocks } from "../support/pulumiMocks";

installMocks();
