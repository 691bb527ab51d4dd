variable "location" {
  description = "Azure region serving the API."
  type        = string
  default     = "eastus2"
}
