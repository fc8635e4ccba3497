# Every app of the organization.
data "onesignal_apps" "all" {}

# App names by App ID (names need not be unique).
output "app_names" {
  value = { for app in data.onesignal_apps.all.apps : app.id => app.name }
}
