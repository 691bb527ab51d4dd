resource "aws_eks_cluster" "training" {
  name     = "training"
  role_arn = "arn:aws:iam::123456789012:role/eks"
}
