# The quickstart: one App API key against the bundled emulator (`make quickstart` runs it).
# The provider reads ONESIGNAL_ORGANIZATION_API_KEY and ONESIGNAL_API_URL from the environment.
terraform {
  required_providers {
    onesignal = {
      source = "registry.terraform.io/onesignal/onesignal"
    }
  }
}

provider "onesignal" {}

variable "app_id" {
  description = "The OneSignal app to create the key in."
  type        = string
}

resource "onesignal_app_api_key" "backend" {
  app_id           = var.app_id
  name             = "backend service"
  ip_allowlist     = ["127.0.0.1", "192.0.2.0/24"]
  rotation_trigger = "1"
}

output "token_id" {
  value = onesignal_app_api_key.backend.token_id
}

output "ip_allowlist_mode" {
  value = onesignal_app_api_key.backend.ip_allowlist_mode
}

output "token" {
  value     = onesignal_app_api_key.backend.token
  sensitive = true
}
