// Package config reads the GMS-style INI file of the callback service
// (CONTRACT "Configuration file", SPEC §4) into typed, validated per-service
// option sets.
//
// The file is parsed once (Load / Parse). Every [service.NAME] section becomes
// a Service; a broken one carries its 50020 error in Service.Err and never
// stops the others. For each request, Config.Effective applies the seed
// defaults, the service's values with $token$ substitution and the request's
// overrides (SPEC §4 override rule), validates the result (a bad value the
// request supplied is 40010, a bad configured one 50020) and returns an
// Effective option set that travels into the workflow, so a workflow never
// reads configuration itself.
package config
