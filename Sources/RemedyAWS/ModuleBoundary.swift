// RemedyAWS: SigV4, credentials, endpoints, protocol codecs and retries over one transport.
// Knows nothing of playbooks. See docs/architecture.md.
