// Hardhat tasks for every Pinpoint role. Tasks are thin shells over src/ and import heavy
// modules lazily inside their actions so `hardhat compile` works on a clean checkout.
export {};
