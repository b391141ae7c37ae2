// Package privacy keeps customer data unreadable outside the service: an
// AES-256-GCM payload codec for everything the service writes to Temporal
// (Codec), a keyed hash of customer numbers for Temporal's visibility
// (NumberHasher), and the key material both need (Secrets).
package privacy
