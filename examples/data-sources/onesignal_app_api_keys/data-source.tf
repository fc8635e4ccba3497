# Every App API key of an app, e.g. to find the token_id of a key made in the dashboard.
data "onesignal_app_api_keys" "all" {
  app_id = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f"
}

# token_id by key name (no secrets: OneSignal never lists them).
output "token_ids_by_name" {
  value = { for key in data.onesignal_app_api_keys.all.keys : key.name => key.token_id }
}
