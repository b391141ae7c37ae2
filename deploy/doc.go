// Package deploy holds no code: its tests check the deployment files at the
// repository root (docker-compose.yml, Dockerfile) against CONTRACT.md, since
// no Docker engine runs where the test suite does.
package deploy
