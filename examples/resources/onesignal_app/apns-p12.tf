# iOS with a p12 certificate instead of a p8 key.
variable "apns_p12_password" {
  type      = string
  sensitive = true
}

resource "onesignal_app" "legacy_ios" {
  name                   = "Legacy iOS"
  apns_env               = "sandbox"
  apns_p12_wo            = filebase64("apns-development.p12")
  apns_p12_password_wo   = var.apns_p12_password
  credentials_wo_version = "1"
}
