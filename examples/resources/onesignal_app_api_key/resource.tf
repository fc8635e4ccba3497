# One key per backend service, usable only from that service's egress addresses.
resource "onesignal_app_api_key" "backend" {
  app_id       = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f"
  name         = "backend service"
  ip_allowlist = ["192.0.2.0/24", "198.51.100.7", "2001:db8::/32"]

  # Change this value to rotate the secret (the old one stops working at once).
  rotation_trigger = "2026-11"
}

# Hand the secret to a secret store rather than printing it.
output "backend_key" {
  value     = onesignal_app_api_key.backend.token
  sensitive = true
}
