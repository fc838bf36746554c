// Registers cdktf's Jest matchers (toHaveResourceWithProperties, ...) and their type declarations.
import "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";

Testing.setupJest();
