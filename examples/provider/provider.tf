terraform {
  required_providers {
    onesignal = {
      source = "registry.terraform.io/onesignal/onesignal"
    }
  }
}

# The organization API key is best given through the environment:
#   export ONESIGNAL_ORGANIZATION_API_KEY="os_v2_org_..."
provider "onesignal" {
  # organization_api_key = var.onesignal_organization_api_key
  # api_url              = "https://api.onesignal.com"
  # max_retries          = 5
  # organization_id      = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f" # or ONESIGNAL_ORGANIZATION_ID
}
