package main

import (
	"errors"
	"io/fs"
	"os"
)

// configEnvVar names the config file when --config is not given, for a
// CI job or a crontab that sets it once for every command.
const configEnvVar = "SPECHARVEST_CONFIG"

// configPath is where the settings come from: --config, else
// $SPECHARVEST_CONFIG, else ./specharvest.yaml. required is false only for
// the last, which may well not exist.
func configPath(e *env, flagValue string) (path string, required bool) {
	if flagValue != "" {
		return flagValue, true
	}
	if v, ok := e.getenv(configEnvVar); ok && v != "" {
		return v, true
	}
	return defaultConfigFile, false
}

// loadSettings reads the config for a command that reads or prunes the
// store. Only the store, retention and report settings matter to it, so
// the sources are not checked and a ${VAR} that is not set (the nightly
// job's API key, say, absent from a developer's shell) stays as written
// instead of failing the command. An absent default file is no config.
func loadSettings(e *env, flagValue string) (*Config, error) {
	path, required := configPath(e, flagValue)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return &Config{}, nil
	}
	if err != nil {
		return nil, &ConfigError{File: path, Msg: err.Error()}
	}
	keepUnset := func(name string) (string, bool) {
		if v, ok := e.getenv(name); ok {
			return v, true
		}
		return "${" + name + "}", true
	}
	cfg, d, err := decodeConfig(path, data, keepUnset)
	if err != nil {
		return nil, err
	}
	if cfg.ignoreRules, err = ignoreRules(d, cfg.Ignore); err != nil {
		return nil, err
	}
	return cfg, nil
}
