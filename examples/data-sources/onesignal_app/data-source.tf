# One app by name (exactly one app of the organization must have it) ...
data "onesignal_app" "shop" {
  name = "Shop"
}

# ... or by its App ID.
data "onesignal_app" "by_id" {
  id = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f"
}

# Keys for an app made elsewhere.
resource "onesignal_app_api_key" "backend" {
  app_id = data.onesignal_app.shop.id
  name   = "backend service"
}
