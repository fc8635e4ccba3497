# An app with web push, Android (Firebase) and iOS (APNs p8) set up, and a key in it.
resource "onesignal_app" "shop" {
  name = "Shop"

  # Web push: the three settings go together, origins are https://.
  site_name          = "Shop"
  chrome_web_origin  = "https://shop.example.com"
  safari_site_origin = "https://shop.example.com"

  # Android: the Firebase service account's JSON key file, Base64-encoded.
  fcm_v1_service_account_json_wo = filebase64("firebase-sa.json")

  # iOS with a p8 token key.
  apns_env       = "production"
  apns_key_id    = "ABC123DEFG"
  apns_team_id   = "TEAM123456"
  apns_bundle_id = "com.example.shop"
  apns_p8_wo     = filebase64("AuthKey_ABC123DEFG.p8")

  # Credentials are write-only (never in plan or state): change this to send them again.
  credentials_wo_version = "2026-12"

  # OneSignal's API cannot delete an app: guard it against an accidental destroy.
  lifecycle {
    prevent_destroy = true
  }
}

resource "onesignal_app_api_key" "backend" {
  app_id = onesignal_app.shop.id
  name   = "backend service"
}
