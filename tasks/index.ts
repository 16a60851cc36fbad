// Hardhat tasks for every Pinpoint role, grouped under `npx hardhat pin <task>`. Tasks are thin
// shells over src/ and import heavy modules lazily inside their actions so `hardhat compile`
// works on a clean checkout.
import { scope } from "hardhat/config";
import { registerAgentTasks } from "./agent";
import { registerDisputeTasks } from "./dispute";
import { registerMarketTasks } from "./market";
import { registerSolverTasks } from "./solver";
import { registerSystemTasks } from "./system";
import { registerVerifierTasks } from "./verifier";

const pin = scope("pin", "Pinpoint: verifiable ML compute market");
registerSystemTasks(pin);
registerMarketTasks(pin);
registerSolverTasks(pin);
registerVerifierTasks(pin);
registerAgentTasks(pin);
registerDisputeTasks(pin);
