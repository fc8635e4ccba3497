# The quickstart: an app, and an App API key in it, against the bundled emulator (`make quickstart`
# runs it). The provider reads ONESIGNAL_ORGANIZATION_API_KEY, ONESIGNAL_API_URL and
# ONESIGNAL_ORGANIZATION_ID (the organization new apps are created in) from the environment.
terraform {
  required_providers {
    onesignal = {
      source = "registry.terraform.io/onesignal/onesignal"
    }
  }
}

provider "onesignal" {}

resource "onesignal_app" "shop" {
  name               = "Shop"
  site_name          = "Shop"
  chrome_web_origin  = "https://shop.example.com"
  safari_site_origin = "https://shop.example.com"
}

resource "onesignal_app_api_key" "backend" {
  app_id           = onesignal_app.shop.id
  name             = "backend service"
  ip_allowlist     = ["127.0.0.1", "192.0.2.0/24"]
  rotation_trigger = "1"
}

output "app_id" {
  value = onesignal_app.shop.id
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
