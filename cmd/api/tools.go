package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/opengms/callback/internal/env"
	"github.com/opengms/callback/privacy"
)

// tool runs a subcommand: keygen or hash-number.
func tool(args []string) error {
	switch {
	case args[0] == "keygen" && len(args) == 2:
		if err := privacy.WriteNew(args[1]); err != nil {
			return err
		}
		fmt.Printf("GMS_PAYLOAD_KEYS_FILE=%s\nGMS_NUMBER_HASH_KEY_FILE=%s\n",
			filepath.Join(args[1], privacy.PayloadKeysFile), filepath.Join(args[1], privacy.NumberHashKeyFile))
		return nil
	case args[0] == "hash-number" && len(args) == 2:
		sec, err := env.Load().LoadSecrets()
		if err != nil {
			return err
		}
		fmt.Println(sec.Hasher().Hash(args[1]))
		return nil
	}
	return errors.New("usage: api [keygen DIR | hash-number NUMBER]")
}
