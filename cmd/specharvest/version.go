package main

import "runtime/debug"

// toolVersion is the module version when built from a tagged module, else
// "dev"; it is recorded in every manifest.
func toolVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
